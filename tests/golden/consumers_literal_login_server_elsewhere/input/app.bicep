param image string = 'contosolit.azurecr.io/web:1'
resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: 'web'
  location: resourceGroup().location
  properties: {
    template: {
      containers: [
        {
          name: 'web'
          image: image
        }
      ]
    }
  }
}
