using 'main.bicep'
param acrSku = 'Basic'
