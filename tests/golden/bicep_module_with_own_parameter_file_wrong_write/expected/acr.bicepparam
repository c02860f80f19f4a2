using './acr.bicep'
param acrName = 'standalone'
param acrSku = 'Premium'
